"""`python3 -m tui.scenarios [MEMCGS [OBJCGS [CPUS]]] > big.objcg`: a big scenario to explore."""
from __future__ import annotations

import sys

from tui.scenarios import scale_script

sys.stdout.write(scale_script(*(int(a) for a in sys.argv[1:4])))
