"""Description: the paper's Python example (process D) runs as written: it
opens the segment a C++ process filled, and force() returns the Hamiltonian
the C++ lambda computed, without computing it again."""
from __future__ import annotations

import subprocess

import numpy as np

import zeroipc

# The paper's code, verbatim except for the segment name.
PAPER_EXAMPLE = '''
# Python Process D: Access same data
import zeroipc
import numpy as np

mem = zeroipc.Memory("/quantum")
hamiltonian = zeroipc.Lazy(mem, "H_matrix", dtype=np.float64)
H = hamiltonian.force()  # Gets cached result
'''


def test_paper_python_example(seg_name: str, cpp_helper: str) -> None:
    # Processes A and B of the paper, in C++: define the lazy, force it.
    r = subprocess.run([cpp_helper, "lazy-matrix", seg_name, "H_matrix"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    scope: dict = {}
    exec(PAPER_EXAMPLE.replace('"/quantum"', repr("/" + seg_name)), scope)
    H = scope["H"]
    assert isinstance(H, np.ndarray) and H.dtype == np.float64 and H.shape == (256,)
    M = H.reshape(16, 16)
    assert np.array_equal(M, M.T) and M[0, 0] == 2.0 and M[15, 15] == 17.0
    assert scope["hamiltonian"].info().compute_count == 1  # cached, not recomputed
    scope["mem"].close()
    assert zeroipc.Memory.unlink(seg_name)
