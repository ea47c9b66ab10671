"""Kechuang (科创): the platform a city science & technology bureau uses to run its innovation policy."""

import os

# The platform's numeric work is many small arrays (forecast fits, ladder frames); OpenBLAS worker threads
# made such fits ~15× slower on a busy 2-core server (measured with bench/forecast.py), so one per process.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
