"""``veil batch``: resumable jobs over a folder or a manifest, on a pool of processes or on Ray.

`items` lists what to do, `storage` reads and writes local paths or fsspec
URLs, `ledger` records every item in ``DEST/veil-batch.json``, `pool` runs them
(`ray_runner` on Ray), and `chunked` spreads one long video over every worker.
"""

DEFAULT_CHUNK_SECONDS = 60.0
"""Videos over twice this long are cut into chunks spread over the workers (`veil.batch.chunked`)."""
