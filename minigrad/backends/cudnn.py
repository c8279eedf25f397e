"""cuDNN switches (stored for PyTorch compatibility; minigrad does not use cuDNN)."""
deterministic = False  # minigrad is deterministic regardless (see minigrad.backends)
benchmark = False      # no kernel autotuning in minigrad
enabled = True
allow_tf32 = True


def is_available():
    """False: minigrad never calls cuDNN (its GPU kernels are CuPy's)."""
    return False


def version():
    """None: no cuDNN library is used."""
    return None
