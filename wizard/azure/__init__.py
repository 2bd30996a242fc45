"""Azure access: credentials, the az CLI profile, and one factory for the real SDK clients.
Every SDK import in here is lazy so the wizard starts as fast as a bare Textual app."""
