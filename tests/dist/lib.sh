# Shared by the artifact tests (sourced): a scratch folder outside the repository, and a PATH with
# no Rust toolchain on it, so an artifact that would quietly compile (or find the checkout's build)
# fails instead.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# PATH without every folder that holds cargo, rustc or rustup (rustup's proxies included).
path_without_rust() {
  local out="" dir
  local IFS=:
  for dir in $PATH; do
    [ -n "$dir" ] || continue
    if [ -e "$dir/cargo" ] || [ -e "$dir/rustc" ] || [ -e "$dir/rustup" ]; then continue; fi
    out="${out:+$out:}$dir"
  done
  printf '%s' "$out"
}

# Runs "$@" with that PATH and without the variables that would lead back to a toolchain or
# to the checkout's builds; fails first if cargo or rustc can still be found.
without_rust() {
  env -u CARGO -u RUSTUP_HOME -u CARGO_HOME -u RUSTC -u CARGO_TARGET_DIR -u LD_LIBRARY_PATH \
    -u PYTHONPATH -u NODE_PATH -u VIRTUAL_ENV PATH="$(path_without_rust)" bash -c '
      if command -v cargo >/dev/null || command -v rustc >/dev/null; then
        echo "cargo or rustc is still on PATH" >&2; exit 1
      fi
      exec "$@"' without_rust "$@"
}

# A fresh folder under the system temp dir, removed on exit.
scratch() {
  SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/hookwire-dist.XXXXXX")
  trap 'rm -rf "$SCRATCH"' EXIT
}

# The one artifact matching a glob in a folder (fails when there is none or more than one).
one() {
  local matches=( $1 )
  if [ "${#matches[@]}" -ne 1 ] || [ ! -e "${matches[0]}" ]; then
    echo "expected exactly one $1, found: ${matches[*]}" >&2; return 1
  fi
  printf '%s' "$(cd "$(dirname "${matches[0]}")" && pwd)/$(basename "${matches[0]}")"
}

step() { printf '== %s\n' "$*"; }
