"""`python -m minigrad`: the environment report for bug reports (see minigrad.utils.collect_env)."""
from .utils.collect_env import main

main()
