"""The command line: commands, runs over many files in worker processes, their options."""
