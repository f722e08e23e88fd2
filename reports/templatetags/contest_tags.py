from django import template

from reports.contests import services as contests

register = template.Library()


@register.inclusion_tag("reports/contests/_running.html", takes_context=True)
def running_contests(context, top: int = 5):
    """The running contests covering the signed-in user with their live leaders (and the user's own place)."""
    user = context["request"].user
    boards = []
    for contest in contests.running_for(user) if user.is_authenticated else []:
        places = contests.standings(contest)
        shown = places[:top]
        mine = next((p for p in places[top:] if p.rep_id == user.pk), None)
        boards.append(
            {
                "contest": contest,
                "places": shown,
                "mine": mine,
                "rate": contest.metric in contests.RATE_METRICS,
                "money": contest.metric in contests.MONEY_METRICS,
            }
        )
    return {"boards": boards, "user": user}
