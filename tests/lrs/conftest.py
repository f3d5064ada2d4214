"""A manager's DrillPad with an LRS configured, a workstation enrolled in its team, site key and certificate,
and the two real LRS servers (started on 127.0.0.1 by ``servers.py``)."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from drillpad.lrs.config import from_policy
from drillpad.paths import Paths
from drillpad.policy import LoadedPolicy, Policy
from drillpad.workspace import Workspace
from tests.evidence.conftest import manager_template, unlock  # noqa: F401  (fixtures reused)
from tests.lrs import servers

ORG = "https://learning.example.com"
SECRET = "s3cret-of-the-organisation-0123456789abcdef"


@dataclass
class Site:
    folder: Path
    credentials: Path
    key: Path
    certificate: Path

    def policy(self, url: str = "http://127.0.0.1:9/xAPI/", **more) -> LoadedPolicy:
        return LoadedPolicy(Policy(lrs_url=url, lrs_credentials_file=self.credentials, lrs_org_iri=ORG,
                                   lrs_site_id="leeds-dc", lrs_signing_key_file=self.key,
                                   lrs_certificate_file=self.certificate, **more))

    def config(self, url: str = "http://127.0.0.1:9/xAPI/", **more):
        return from_policy(self.policy(url, **more).policy)


def make_site(folder: Path, username: str = "site-leeds", password: str = "pw-leeds") -> Site:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    creds = folder / "lrs-credentials.toml"
    creds.write_text(f'username = "{username}"\npassword = "{password}"\npseudonym_secret = "{SECRET}"\n')
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "leeds-dc.learning.example.com")])
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=3650))
            .sign(key, hashes.SHA256()))
    (folder / "site-key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                            serialization.PrivateFormat.PKCS8,
                                                            serialization.NoEncryption()))
    (folder / "site-cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return Site(folder, creds, folder / "site-key.pem", folder / "site-cert.pem")


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Site:
    return make_site(tmp_path_factory.mktemp("site"))


def evidence(device: Workspace, learner: str = "Ana Lima") -> None:
    """One of each kind of thing a trainee does."""
    device.read_lesson(learner, "lesson-jam", seconds=95.5)
    device.answer_prompt(learner, "jam-first", "Press the e-stop first", confidence=3, seconds=12)
    device.submit_drill(learner, "jam-c1", "Press the e-stop, lock out the isolator with my padlock, try start, "
                        "then clear it.", confidence=4, seconds=80)
    device.submit_drill(learner, "jam-c1", "I would clear it.", confidence=2, seconds=20)
    device.log_demonstration(learner, "spill", "Cordoned off an oil spill on nights")


@pytest.fixture
def team(tmp_path, clock, minipack, manager_template, site):  # noqa: F811
    """(device, manager with an LRS policy, share folder, unlock) — the device's learner has done one of everything
    and the manager has imported it; the LRS URL is a closed port until a test sets ``manager_url``."""
    shutil.copytree(manager_template, tmp_path / "manager")
    device = Workspace(Paths.resolve(tmp_path / "device", env={}), clock=clock)
    manager = Workspace(Paths.resolve(tmp_path / "manager", env={}), clock=clock, policy=site.policy())
    device.import_pack(minipack)
    team_file = manager.evidence.export_team_file(tmp_path / "team.json", folder=str(tmp_path / "share"))
    device.evidence.import_team_file(team_file)
    device.profiles.add_learner("Ana Lima", "dock-hand")
    device.reflect("Ana Lima", "Locking out felt slow but right.")
    evidence(device)
    share = tmp_path / "share"
    keys = unlock(manager)
    device.evidence.send_folder(share)
    manager.evidence.import_folder(share, keys)
    manager.evidence.approve_device(device.device_id)
    assert [o.outcome for o in manager.evidence.import_folder(share, keys)] == ["imported"]
    yield device, manager, share, keys
    device.close()
    manager.close()


@pytest.fixture(scope="session")
def xapi_statements(tmp_path_factory):
    server = servers.XapiStatements.start(tmp_path_factory.mktemp("xapi-statements"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def ralph(tmp_path_factory):
    server = servers.Ralph.start(tmp_path_factory.mktemp("ralph"))
    yield server
    server.stop()
