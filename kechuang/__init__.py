"""Kechuang (科创): the platform a city science & technology bureau uses to run its innovation policy."""

import os

# OpenBLAS worker threads make the small statsmodels fits of the forecast engine ~15× slower on a
# busy 2-core server (measured, bench/bench_forecast.py); one thread per process is faster here.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
