-- A minimal Neovim configuration that starts `archguard lsp` for Python buffers (docs/editors.md).
-- The test runs it with `nvim --headless -u init.lua`; ARCHGUARD_LSP_CMD holds the server command as
-- a JSON list (the test's own interpreter, `-m archguard lsp`), or `archguard lsp` when unset.
vim.cmd('filetype on')

local cmd = vim.env.ARCHGUARD_LSP_CMD and vim.fn.json_decode(vim.env.ARCHGUARD_LSP_CMD) or { 'archguard', 'lsp' }

local function root_of(file)
  local markers = vim.fn.findfile('pyproject.toml', vim.fn.fnamemodify(file, ':p:h') .. ';')
  return markers ~= '' and vim.fn.fnamemodify(markers, ':p:h') or vim.fn.getcwd()
end

vim.api.nvim_create_autocmd('FileType', {
  pattern = 'python',
  callback = function(args)
    local config = { name = 'archguard', cmd = cmd, root_dir = root_of(vim.api.nvim_buf_get_name(args.buf)) }
    if vim.lsp.start then -- Neovim 0.8 and later
      vim.lsp.start(config)
    else -- Neovim 0.7 (Debian 12's): start once per root, attach each buffer
      _G.archguard_clients = _G.archguard_clients or {}
      local id = _G.archguard_clients[config.root_dir]
      if id == nil then
        id = vim.lsp.start_client(config)
        _G.archguard_clients[config.root_dir] = id
      end
      vim.lsp.buf_attach_client(args.buf, id)
    end
  end,
})
