from django.core.management import call_command

from accounts.models import Region, Role, Team, User
from kamcrm.audit.models import AuditEvent
from kamcrm.demo.accounts_org import DEMO_PASSWORD


def test_seed_demo_builds_the_company_and_is_idempotent(db, capsys):
    call_command("seed_demo")
    printed = capsys.readouterr().out
    assert DEMO_PASSWORD in printed and "rep_sh_1" in printed and "finance" in printed

    def state():
        return (
            Region.objects.count(),
            Team.objects.count(),
            {r: User.objects.filter(role=r).count() for r in Role.values},
            AuditEvent.objects.count(),
        )

    first = state()
    assert first[:3] == (2, 4, {"rep": 12, "kam": 4, "regional_manager": 2, "finance": 1, "admin": 1})
    assert all(t.kam and t.members.filter(role=Role.REP).count() == 3 for t in Team.objects.all())
    assert all(u.check_password(DEMO_PASSWORD) for u in User.objects.all())
    call_command("seed_demo", quiet=True)
    assert state() == first
