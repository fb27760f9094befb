"""The tests' Bot API emulator is the product's own (:mod:`sandbox.emulator`): one emulator,
not two. ``tests.emulator.server`` and ``tests.emulator.validation`` are the same modules."""
