"""The workspace: configuration per file, declared versions, file discovery, the result cache."""
