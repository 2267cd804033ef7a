"""The error of a replication whose numbers are not finite (a plain module: the compiled
build, sim.compiled, cannot compile a subclass of a built-in exception)."""


class NonFiniteResult(ArithmeticError):
    """A replication produced an infinite or undefined number where a figure belongs."""
