"""CloudFormation operations: one function per operation, `(ctx, request) -> response`, grouped in the
modules below; each module lists its operation functions in `__all__`."""
