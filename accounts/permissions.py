"""API permissions that depend on the roles."""

from rest_framework import permissions

from .roles import Role


class IsAdminOrReadOnly(permissions.BasePermission):
    """Reads for anyone signed in (the queryset does the scoping); writes for the admin role only.

    A write to an existing object is judged after the scoped lookup, so an object
    the caller cannot see is a 404 and only a visible one is a 403.
    """

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS or request.user.effective_role == Role.ADMIN:
            return True
        return view.kwargs.get(view.lookup_url_kwarg or view.lookup_field) is not None

    def has_object_permission(self, request, view, obj):
        return request.method in permissions.SAFE_METHODS or request.user.effective_role == Role.ADMIN
