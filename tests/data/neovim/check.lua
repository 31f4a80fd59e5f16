-- Drives Neovim as a user would, for tests/functional/test_lsp_neovim.py: open FILE, wait for archguard's
-- diagnostics, put the cursor on the first AG101 and take the quick fix from `vim.lsp.buf.code_action`
-- (the menu answered as a user picks "archguard: use ..."), wait for the diagnostics to follow, and
-- write what the editor shows to OUT as JSON. Errors are written there too; Neovim then quits.
local file, out = vim.env.ARCHGUARD_TEST_FILE, vim.env.ARCHGUARD_TEST_OUT
local report = { steps = {} }

local function shown(bufnr)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(found, {
      lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
      code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code),
      source = d.source, severity = d.severity, message = d.message,
    })
  end
  table.sort(found, function(a, b) return a.lnum < b.lnum end)
  return found
end

local function has_code(bufnr, code)
  for _, d in ipairs(shown(bufnr)) do
    if d.code == code then return d end
  end
  return nil
end

local function run()
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  if not vim.wait(60000, function() return has_code(bufnr, 'AG101') ~= nil end, 50) then
    error('no AG101 diagnostic within 60 s; shown: ' .. vim.inspect(shown(bufnr)))
  end
  report.attached = #vim.lsp.get_active_clients()
  report.before = shown(bufnr)
  local target = has_code(bufnr, 'AG101')
  vim.api.nvim_win_set_cursor(0, { target.lnum + 1, target.col })
  local offered = {}
  vim.ui.select = function(items, opts, on_choice)
    for _, item in ipairs(items) do
      local title = opts.format_item and opts.format_item(item) or tostring(item)
      table.insert(offered, title)
    end
    for _, item in ipairs(items) do
      local title = opts.format_item and opts.format_item(item) or tostring(item)
      if title:find('^archguard: use') then return on_choice(item) end
    end
    on_choice(nil)
  end
  local before_text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
  vim.lsp.buf.code_action({ only = { 'quickfix' } })
  if not vim.wait(30000, function()
    return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n') ~= before_text
  end, 50) then
    error('the quick fix changed nothing; offered: ' .. vim.inspect(offered))
  end
  report.offered = offered
  if not vim.wait(30000, function() return has_code(bufnr, 'AG101') == nil end, 50) then
    error('AG101 still shown after the quick fix: ' .. vim.inspect(shown(bufnr)))
  end
  report.after = shown(bufnr)
  report.text = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  report.modified = vim.bo[bufnr].modified
end

local ok, err = pcall(run)
if not ok then report.error = tostring(err) end
local handle = assert(io.open(out, 'w'))
handle:write(vim.fn.json_encode(report))
handle:close()
for _, client in ipairs(vim.lsp.get_active_clients()) do client.stop() end
vim.wait(5000, function() return #vim.lsp.get_active_clients() == 0 end, 50)
vim.cmd(ok and 'qall!' or 'cquit!')
