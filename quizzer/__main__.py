"""Allow ``python -m quizzer``."""

from quizzer.entry import main

main()
