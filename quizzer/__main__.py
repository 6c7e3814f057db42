"""Allow ``python -m quizzer``."""

from quizzer.entry import main

# Guarded: a child process started with "spawn" (the statistics screen's fit of a large
# history) imports this module again, as ``__mp_main__``, and must not start the app.
if __name__ == "__main__":
    main()
