"""`python -m planguard`."""

from planguard.entry import main

main()
