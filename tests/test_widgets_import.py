"""The widgets import without a display, and `import pyprivate` does not import them."""

import os
import subprocess
import sys


def run(code):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "MPLBACKEND", "WAYLAND_DISPLAY")}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)


def test_headless_import_and_use():
    done = run(
        "import sys, torch, pyprivate as sy\n"
        "assert 'pyprivate.widgets' not in sys.modules and 'matplotlib' not in sys.modules\n"
        "from pyprivate.widgets import LossCurve, MessagesView, SharesView, StoreView\n"
        "hook = sy.TorchHook(torch)\n"
        "bob, alice = sy.VirtualWorker(hook, id='bob'), sy.VirtualWorker(hook, id='alice')\n"
        "store = StoreView(bob, alice, interval=0)\n"
        "x = torch.tensor([1.0]).fix_precision().share(bob, alice)\n"
        "shares = SharesView(x)\n"
        "print(len(LossCurve().add('plaintext', 0, 1.0).png()) > 0, len(store.rows['bob']))\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "1"]
