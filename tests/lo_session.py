"""A private headless LibreOffice for the lo_*.py scripts (run by LibreOffice's own Python with uno):
started with a throw-away profile, reached over a pipe, terminated on exit."""
import contextlib
import os
import subprocess
import tempfile
import time

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


@contextlib.contextmanager
def desktop(soffice="soffice"):
    """The LibreOffice Desktop of a private office process, for the duration of the `with` block."""
    pipe = f"lo-{os.getpid()}-{int(time.time() * 1000)}"
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        proc = subprocess.Popen([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                                 "--nologo", f"--accept=pipe,name={pipe};urp;"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            local = uno.getComponentContext()
            resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
            for _ in range(120):
                try:
                    ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                    break
                except Exception:
                    time.sleep(0.5)
            else:
                raise SystemExit("LibreOffice did not start")
            office = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
            try:
                yield office
            finally:
                try:
                    office.terminate()
                except Exception:
                    pass
        finally:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
