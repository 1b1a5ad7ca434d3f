"""Facts gathered before any decision (the I/O edge): the plans and their source, the trusted
configuration, and what git and the run's environment say about the change."""
