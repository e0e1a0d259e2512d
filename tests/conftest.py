"""Make the helper modules of tests/ (naive.py, designs.py) importable by name."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
