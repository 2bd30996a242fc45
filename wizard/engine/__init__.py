"""The wizard's engine: step contract, runner and events. It imports no Textual, so the TUI,
the headless runner and a future answers-file mode all drive the very same code."""
