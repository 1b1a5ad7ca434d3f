"""One module per command: typed options in, an `Outcome` (text and exit code) out.

Each gathers its facts (`planguard.gather`, `planguard.github.gather`), calls the pure layers
below and renders through `planguard.render.formats`; `planguard.cli` only turns flags into
options and outcomes into output.
"""
