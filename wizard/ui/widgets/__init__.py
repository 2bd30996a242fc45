"""Widgets of the main screen: the step navigator and the parts of a step view."""
