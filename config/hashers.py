"""The password hasher: Argon2id with the parameters OWASP's Password Storage Cheat Sheet
recommends (19 MiB of memory, 2 passes, 1 lane) rather than Django's heavier defaults
(100 MiB, 8 lanes): still memory-hard against a guesser's GPU, and cheap enough that a
district's officials signing in at the start of the working day do not queue behind each
other on a 2-core server (one sign-in: about 25 ms of one core instead of 180 ms of both).

The algorithm's name is Django's own ("argon2"), so a hash made with other parameters,
Django's defaults included, still verifies, and is re-hashed with these at the next
sign-in."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
