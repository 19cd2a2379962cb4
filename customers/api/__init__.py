"""The customers REST API (adapters): serializers parse bodies, views call one service or selector and answer with
presenter output, outputs describe the presenters for the OpenAPI schema. Imports: core and the customers domain;
never credit (credit adds its fields to the customer through customers.extensions and extend_customer_out)."""
