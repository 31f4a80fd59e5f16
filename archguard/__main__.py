from archguard.cli import main

main()
