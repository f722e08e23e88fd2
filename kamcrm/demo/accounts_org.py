"""Demo organisation for ``manage.py seed_demo``: fixed names and passwords, safe to run again."""

from dataclasses import dataclass

from django.db import transaction

from accounts import services
from accounts.models import Region, Role, SavedFilter, Team, User

DEMO_PASSWORD = "Kam-demo-2026"

REGIONS = {
    "East China 华东": {
        "Shanghai 上海": ("kam_sh", "王芳", ["rep_sh_1", "rep_sh_2", "rep_sh_3"]),
        "Hangzhou 杭州": ("kam_hz", "李强", ["rep_hz_1", "rep_hz_2", "rep_hz_3"]),
    },
    "South China 华南": {
        "Guangzhou 广州": ("kam_gz", "陈静", ["rep_gz_1", "rep_gz_2", "rep_gz_3"]),
        "Shenzhen 深圳": ("kam_sz", "黄磊", ["rep_sz_1", "rep_sz_2", "rep_sz_3"]),
    },
}
REP_NAMES = ["张伟", "刘洋", "赵敏", "孙浩", "周婷", "吴军", "郑丽", "冯涛", "何静", "许明", "马超", "高燕"]
MANAGERS = {"East China 华东": ("rm_east", "杨光"), "South China 华南": ("rm_south", "林慧")}


@dataclass
class DemoLogin:
    username: str
    role: str
    where: str


def _put_user(
    *, username: str, full_name: str, role: str, team=None, region=None, language="en", superuser=False
) -> User:
    user = User.objects.filter(username=username).first() or User(username=username)
    wanted = {
        "last_name": full_name[:1],
        "first_name": full_name[1:],
        "role": role,
        "team": team,
        "region": region,
        "language": language,
        "email": f"{username}@demo.kamcrm.local",
        "is_active": True,
        "is_staff": superuser,
        "is_superuser": superuser,
    }
    unchanged = user.pk and all(getattr(user, k) == v for k, v in wanted.items()) and user.check_password(DEMO_PASSWORD)
    if unchanged:
        return user
    for key, value in wanted.items():
        setattr(user, key, value)
    return services.save_user(user=user, by=None, password=DEMO_PASSWORD)


@transaction.atomic
def seed() -> list[DemoLogin]:
    """Create or restore the demo org: 2 regions, 2 teams each (a KAM and 3 reps), managers, finance, admin."""
    logins = [DemoLogin("admin", Role.ADMIN, "")]
    _put_user(username="admin", full_name="管理员", role=Role.ADMIN, superuser=True)
    names = iter(REP_NAMES)
    for region_name, teams in REGIONS.items():
        region, _ = Region.objects.get_or_create(name=region_name)
        rm_username, rm_name = MANAGERS[region_name]
        language = "zh-hans" if region_name.startswith("South") else "en"
        _put_user(username=rm_username, full_name=rm_name, role=Role.REGIONAL_MANAGER, region=region, language=language)
        logins.append(DemoLogin(rm_username, Role.REGIONAL_MANAGER, region_name))
        for team_name, (kam_username, kam_name, reps) in teams.items():
            team, _ = Team.objects.get_or_create(region=region, name=team_name)
            kam = _put_user(username=kam_username, full_name=kam_name, role=Role.KAM, team=team, language=language)
            if team.kam_id != kam.pk:
                team.kam = kam
                services.save_team(team=team, by=None)
            logins.append(DemoLogin(kam_username, Role.KAM, f"{region_name} / {team_name}"))
            for rep_username in reps:
                _put_user(username=rep_username, full_name=next(names), role=Role.REP, team=team, language=language)
                logins.append(DemoLogin(rep_username, Role.REP, f"{region_name} / {team_name}"))
    _put_user(username="finance", full_name="财务部", role=Role.FINANCE)
    logins.append(DemoLogin("finance", Role.FINANCE, ""))
    return logins


def seed_saved_filters() -> None:
    """Each KAM's saved card-list filters (issue 15), named in the KAM's language."""
    for kam in User.objects.filter(role=Role.KAM, is_active=True):
        chinese = (kam.language or "").startswith("zh")
        for name, query in (
            ("A 级 30 天未拜访" if chinese else "Tier A, not visited for 30 days", "tier=A&not_visited_days=30"),
            ("重点客户" if chinese else "Key accounts", "status=key"),
        ):
            SavedFilter.objects.get_or_create(user=kam, list_name="distributors", name=name, defaults={"query": query})
