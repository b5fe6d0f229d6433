"""POST /api/v1/auth/token/: obtain an API token. The password check goes through
``config.sign_in``, so the endpoint shares the login page's lockout."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.sign_in import InvalidCredentials, authenticate_counting_failures
from config.tokens import issue_token, token_expires_at


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class IssuedTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")
    expires = serializers.DateTimeField(help_text="After this, obtain a new token.")


class ObtainTokenView(APIView):
    """POST a username and password: a new API token (any earlier one stops working) and when
    it expires. Too many wrong passwords lock the account or address for a while (429)."""

    authentication_classes = ()  # credentials come in the body; no session, no CSRF
    permission_classes = (AllowAny,)
    throttle_classes = ()  # failures are counted by config.sign_in, per account and address

    @extend_schema(request=TokenRequestSerializer, responses=IssuedTokenSerializer)
    def post(self, request: Request) -> Response:
        credentials = TokenRequestSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)  # shape only: a missing field is not counted
        user = authenticate_counting_failures(
            request=request._request,
            username=credentials.validated_data["username"],
            password=credentials.validated_data["password"],
            channel="api_token",
        )
        if user is None:
            raise InvalidCredentials()
        token = issue_token(user=user)
        body = {"token": token.key, "expires": token_expires_at(token)}
        return Response(IssuedTokenSerializer(body).data)
