"""The contract between the gateway and the service, read from the proto's descriptors once.

Both halves import this package and gen/; neither imports the other.
"""
