"""Rules shared by the client and the service, so the two sides cannot drift.

The client runs these checks to throw friendly errors at once (as a browser's graph builder
does); the service runs the very same checks again on whatever the untrusted renderer sent.
"""
