"""The printable customer card (客户资料卡): ``/distributors/<pk>/card.pdf`` and ``/api/distributors/<pk>/card.pdf``.

Both find the card through ``selectors.distributor_card``, so a card outside the
caller's scope is a 404, the same as one that does not exist.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from drf_spectacular.utils import extend_schema

from accounts.models import User
from kamcrm.viewsets import PdfAPIView, pdf_responses

from . import selectors
from .models import Distributor
from .pdf import render_card_pdf


def card_pdf_response(*, for_user: User, pk: int) -> HttpResponse:
    """The card as an inline PDF download named ``<code>-card.pdf``; Http404 outside ``for_user``'s scope."""
    try:
        distributor = selectors.distributor_card(for_user=for_user, pk=pk)
    except Distributor.DoesNotExist:
        raise Http404 from None
    response = HttpResponse(render_card_pdf(distributor=distributor, for_user=for_user), content_type="application/pdf")
    # The code only allows letters, digits, ".", "_" and "-", so it is safe inside the quoted filename.
    response["Content-Disposition"] = f'inline; filename="{distributor.code}-card.pdf"'
    return response


@never_cache  # personal notes and money: no shared or browser cache keeps a copy
@require_safe
@login_required
def card_pdf(request, pk):
    return card_pdf_response(for_user=request.user, pk=pk)


class DistributorCardPdfView(PdfAPIView):
    @extend_schema(
        operation_id="distributors_card_pdf",
        tags=["distributors"],
        responses=pdf_responses(pdf="The customer card, A4.", missing="No such card in your scope."),
    )
    def get(self, request, pk: int):
        """The printable customer card (客户资料卡) as a PDF, in the caller's language."""
        # A token caller is authenticated here, after UserLanguageMiddleware ran, so switch language now.
        with translation.override(request.user.language or translation.get_language()):
            response = card_pdf_response(for_user=request.user, pk=pk)
        response["Cache-Control"] = "private, no-store"
        return response
