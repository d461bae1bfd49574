"""Loaded by the tempest processes of run.sh only (PYTHONPATH=shim).

tempest 33's SubnetsClient.delete_subnet sleeps 10 s before every DELETE ("it takes time to teardown
some ports" on a real Neutron). qdhcp deletes synchronously, and the sleep would add ~10 s per subnet to
the run, so that one sleep is skipped. Nothing else is changed.
"""
try:
    import time as _time

    from tempest.lib.services.network import subnets_client as _subnets_client

    class _TimeWithoutSubnetDeleteSleep:
        def __getattr__(self, name):
            return getattr(_time, name)

        @staticmethod
        def sleep(seconds):
            if seconds != 10:
                _time.sleep(seconds)

    _subnets_client.time = _TimeWithoutSubnetDeleteSleep()
except ImportError:  # not a tempest process (stestr's own): nothing to patch
    pass
