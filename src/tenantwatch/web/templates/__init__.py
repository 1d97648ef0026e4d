"""Package data of the dashboard (a package only so that setuptools ships these files)."""
