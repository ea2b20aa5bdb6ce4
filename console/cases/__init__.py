"""Finding a case and reading its timeline from anywhere in the console: Ctrl+F (console.cases.lookup)."""
