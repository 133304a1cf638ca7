"""Lets the tests import history/checker whether pytest runs here or from
the repository root."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
