"""`aiolint server`: a language server for editors (needs pygls: `pip install '.[server]'`).

Modules, one job each: `app` (the pygls wiring: documents, debouncing,
publishing, handlers), `linting` (a document through the engine, configured as
`aiolint check` would be; fixing as `--fix` does), `snapshot` (one linted
version of a document), `diagnostics` (findings as LSP diagnostics),
`positions` (1-based characters to LSP positions in UTF-16 or the negotiated
encoding), `edits` (text changes as LSP edits), `actions` (quick fixes,
noqa, fix-all), `hover` (the rule's docs), `settings` (the client's settings),
`folders` (the settings of each workspace folder), `watching` (the files
watched for changes made outside the editor).
Nothing here is imported by `aiolint check`.
"""
