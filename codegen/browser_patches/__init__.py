"""Browser patches and the in-tree mode: WebNPU's generated files placed in Chromium and Firefox.

- `lists.py`: the registration lists of upstream files (GN/moz.build lists, json5 arrays, the
  Bindings.conf dict, StaticPrefList.yaml sections, `includes` lines), found, parsed and edited
  at their sorted place;
- `registrations.py`: which entries WebNPU adds to which list, read from the generated files;
- `gitpatch.py`: git-format patch text (`git am`-able), deterministic;
- `series.py`: the patch series of each browser, from the generated files, `native/` and the
  upstream context stored in `patches/upstream_context/`;
- `intree.py`: `--chromium-src`/`--gecko-src`, the same files and list edits applied to a checkout.
"""
