from shopapp.realtime.impl import Manager as LegacyManager
