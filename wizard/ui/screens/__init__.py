"""Screens and modal dialogs of the wizard."""
