"""Pure domain rules: standard library only, time and inputs are passed in."""
