# SPDX-License-Identifier: GPL-2.0

import sys
from pathlib import Path

KSFT_DIR = (Path(__file__).parent / "../../../..").resolve()

try:
    sys.path.append(KSFT_DIR.as_posix())
    from net.lib.py import *
except ModuleNotFoundError as e:
    print("# Failed importing `net` library from kernel sources")
    print("# " + str(e))
    print(f"ok 1 {Path(sys.argv[0]).stem} # SKIP")
    sys.exit(4)
