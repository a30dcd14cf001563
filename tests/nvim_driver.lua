-- Drives a headless Neovim (0.7 and later) through what a user does with
-- aiolint's server: open a module, read the diagnostics, apply a quick fix,
-- type a line. Loaded after the README's init.lua snippet (tests/test_neovim.py).
-- Reads AIOLINT_NVIM_WARM (a module opened first: starts the server, builds the
-- project model), AIOLINT_NVIM_FILE (the module under test) and AIOLINT_NVIM_OUT
-- (where the JSON report goes); times are milliseconds from the client's
-- didOpen / didChange notification to the publishDiagnostics for that version.
local timeout = tonumber(os.getenv("AIOLINT_NVIM_TIMEOUT") or "60000")
local report = { steps = {}, errors = {} }

local function now()
  return vim.loop.hrtime() / 1e6
end

local function finish()
  local out = assert(io.open(os.getenv("AIOLINT_NVIM_OUT"), "w"))
  out:write(vim.fn.json_encode(report))
  out:close()
  vim.cmd("qall!")
end

local function fail(message)
  error(message, 0)
end

-- Every set of diagnostics received, in order, with the time it arrived:
-- pushed (publishDiagnostics: Neovim 0.7-0.9) or pulled (the answers to
-- textDocument/diagnostic: Neovim 0.10 and later, for a server offering it).
local published = {}
local show = vim.lsp.handlers["textDocument/publishDiagnostics"]
vim.lsp.handlers["textDocument/publishDiagnostics"] = function(err, result, ctx, config)
  table.insert(published, { uri = result.uri, version = result.version, at = now() })
  return show(err, result, ctx, config)
end
local pulled = vim.lsp.handlers["textDocument/diagnostic"]
if pulled ~= nil then
  vim.lsp.handlers["textDocument/diagnostic"] = function(err, result, ctx, config)
    local value = pulled(err, result, ctx, config)
    if err == nil and result ~= nil then
      local uri = vim.uri_from_bufnr(ctx.bufnr)
      table.insert(published, { uri = uri, version = ctx.version, at = now(), pulled = true })
    end
    return value
  end
end

-- When the client sent each didOpen / didChange, by uri and version.
local sent = {}
local function watch(client)
  if client.aiolint_watched then
    return
  end
  client.aiolint_watched = true
  local notify = client.notify
  -- `client.notify(method, params)` up to 0.10, `client:notify(method, params)` after
  client.notify = function(...)
    local args = { ... }
    local method, params = args[1], args[2]
    if type(method) == "table" then
      method, params = args[2], args[3]
    end
    if method == "textDocument/didOpen" or method == "textDocument/didChange" then
      local doc = params.textDocument
      sent[doc.uri .. "#" .. tostring(doc.version)] = now()
    end
    return notify(...)
  end
end

local function aiolint_client()
  local clients = vim.lsp.get_clients ~= nil and vim.lsp.get_clients() or vim.lsp.get_active_clients()
  for _, client in pairs(clients) do
    if client.name == "aiolint" then
      return client
    end
  end
  return nil
end

-- Wait for the diagnostics of `uri` at `version` (any version if nil).
local function wait_published(uri, version, after)
  local found = nil
  vim.wait(timeout, function()
    for index = after + 1, #published do
      local p = published[index]
      if p.uri == uri and (version == nil or p.version == version) then
        found = p
        return true
      end
    end
    return false
  end, 5)
  return found
end

local function diagnostics(bufnr)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local lsp = (d.user_data or {}).lsp or {}
    local related = {}
    for _, r in ipairs(lsp.relatedInformation or {}) do
      table.insert(related, {
        uri = r.location.uri,
        line = r.location.range.start.line,
        message = r.message,
      })
    end
    table.insert(found, {
      code = d.code or lsp.code,
      line = d.lnum,
      message = d.message,
      related = related,
    })
  end
  return found
end

local function lines(bufnr)
  return vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
end

-- Open a file as the user does; the step's timing is didOpen -> diagnostics.
local function open(name, path)
  local before = #published
  vim.cmd("edit " .. vim.fn.fnameescape(path))
  local bufnr = vim.api.nvim_get_current_buf()
  local uri = vim.uri_from_bufnr(bufnr)
  local client = nil
  vim.wait(timeout, function()
    client = aiolint_client()
    return client ~= nil
  end, 5)
  if client == nil then
    fail("no aiolint client after opening " .. path)
  end
  watch(client)
  local version = vim.api.nvim_buf_get_changedtick(bufnr)
  local got = wait_published(uri, nil, before)
  if got == nil then
    fail("no diagnostics for " .. path)
  end
  local started = sent[uri .. "#" .. tostring(got.version)]
  table.insert(report.steps, {
    step = name,
    version = got.version,
    opened_version = version,
    ms = started and (got.at - started) or vim.NIL,
    pulled = got.pulled == true,
    diagnostics = diagnostics(bufnr),
  })
  return bufnr, uri
end

-- After a change to the buffer: wait for the diagnostics of its new version.
local function changed(name, bufnr, uri, before)
  local version = vim.api.nvim_buf_get_changedtick(bufnr)
  local got = wait_published(uri, version, before)
  if got == nil then
    fail("no diagnostics for version " .. version .. " (" .. name .. ")")
  end
  local started = sent[uri .. "#" .. tostring(version)]
  table.insert(report.steps, {
    step = name,
    version = version,
    ms = started and (got.at - started) or vim.NIL,
    pulled = got.pulled == true,
    diagnostics = diagnostics(bufnr),
    lines = lines(bufnr),
  })
end

-- Ask for the quick fixes of `target`, apply the first with an edit.
local function quick_fix(bufnr, uri, target)
  local lsp_diagnostic = vim.tbl_extend("keep", {
    range = {
      start = { line = target.lnum, character = target.col },
      ["end"] = { line = target.end_lnum, character = target.end_col },
    },
    message = target.message,
    code = target.code,
    source = target.source,
  }, (target.user_data or {}).lsp or {})
  local params = {
    textDocument = { uri = uri },
    range = lsp_diagnostic.range,
    context = { diagnostics = { lsp_diagnostic }, only = { "quickfix" } },
  }
  local answers = vim.lsp.buf_request_sync(bufnr, "textDocument/codeAction", params, timeout)
  local action = nil
  for _, answer in pairs(answers or {}) do
    for _, candidate in ipairs(answer.result or {}) do
      if action == nil and candidate.edit ~= nil then
        action = candidate
      end
    end
  end
  if action == nil then
    fail("no quick fix offered for AIO201")
  end
  report.action = action.title
  local before = #published
  vim.lsp.util.apply_workspace_edit(action.edit, "utf-16")
  changed("fixed", bufnr, uri, before)
end

local ok, problem = pcall(function()
  local warm_started = now()
  local _, warm_uri = open("warm", os.getenv("AIOLINT_NVIM_WARM"))
  report.steps[1].ms_from_edit = now() - warm_started
  local bufnr, uri = open("open", os.getenv("AIOLINT_NVIM_FILE"))

  -- A quick fix: the first action offered on the first AIO201 finding.
  local target = nil
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.code == "AIO201" and target == nil then
      target = d
    end
  end
  if target == nil and os.getenv("AIOLINT_NVIM_FIX") ~= "0" then
    fail("no AIO201 finding to fix")
  end
  if target ~= nil then
    quick_fix(bufnr, uri, target)
  end

  -- Typing: a blocking call added to the first route.
  local before = #published
  local first = nil
  for index, line in ipairs(lines(bufnr)) do
    if first == nil and line:match("^async def ") then
      first = index
    end
  end
  if first == nil then -- no route: type one at the end
    vim.api.nvim_buf_set_lines(bufnr, -1, -1, false, { "", "", "async def typed():" })
    first = vim.api.nvim_buf_line_count(bufnr)
  end
  vim.api.nvim_buf_set_lines(bufnr, first, first, false, { "    import time", "    time.sleep(0.5)" })
  report.typed_line = first + 1 -- 0-based, as diagnostics count
  changed("typed", bufnr, uri, before)
end)
if not ok then
  table.insert(report.errors, tostring(problem))
end
finish()
