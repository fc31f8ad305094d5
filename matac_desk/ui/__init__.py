"""The Qt desktop client. The only package (with ``app``) that imports PySide6."""
