"""``python -m edutorch`` (the README's main job) fits the article's regression."""
import subprocess
import sys


def test_main_job_fits_the_line():
    out = subprocess.run([sys.executable, "-m", "edutorch"], capture_output=True, text=True,
                         check=True).stdout
    last = out.strip().splitlines()[-1]
    # "learned weight 0.9969 (true 1), bias 0.0112 (true 0)"
    words = last.replace(",", "").split()
    w, b = float(words[2]), float(words[6])
    assert abs(w - 1) < 0.05 and abs(b) < 0.1, last
    assert out.count("Epoch [") == 10
