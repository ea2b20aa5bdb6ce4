"""The operator console (PySide6). The only package that imports Qt; it calls the domain packages."""
