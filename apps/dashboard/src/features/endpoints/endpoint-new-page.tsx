import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { SchemaForm } from "../../components/form";
import { Button, PageHeader } from "../../components/ui";
import type { FieldErrors } from "../../lib/form";
import { type Endpoint, errorMessage, serverFieldErrors, trpc } from "../../lib/trpc";
import {
  checkEndpointForm,
  DEFAULT_ROUTING,
  defaultPacing,
  EndpointFields,
  type EndpointFormValues,
} from "./endpoint-fields";
import { SecretOnce } from "./secret-once";

const EMPTY: EndpointFormValues = {
  crm: "zapier",
  name: "",
  url: "",
  enabled: true,
  retryPreset: "standard",
  headers: [],
  ...DEFAULT_ROUTING,
  ...defaultPacing("zapier"),
};

export function NewEndpointPage() {
  const queryClient = useQueryClient();
  const [values, setValues] = useState(EMPTY);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [created, setCreated] = useState<{ endpoint: Endpoint; secret: string } | null>(null);
  const create = useMutation(
    trpc.endpoints.create.mutationOptions({
      onSuccess: (result) => {
        setCreated(result);
        // In the list at once, so the next page (send a test) does not flash an empty list first.
        queryClient.setQueryData(
          trpc.endpoints.list.queryKey(),
          (list) => list && [...list, result.endpoint],
        );
        void queryClient.invalidateQueries({ queryKey: trpc.endpoints.pathKey() });
      },
      onError: (error) => setErrors({ form: errorMessage(error), ...serverFieldErrors(error) }),
    }),
  );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const checked = await checkEndpointForm("endpointCreateSchema", values);
    if (!checked.data) return setErrors(checked.errors);
    setErrors({});
    create.mutate(checked.data);
  };

  if (created) {
    return (
      <>
        <PageHeader
          title="Endpoint created"
          description={`Deliveries to ${created.endpoint.url} are signed with the secret below.`}
        />
        <div className="card space-y-6 p-5 sm:p-6">
          <SecretOnce secret={created.secret} />
          <p className="hint">
            Next, send a test: you will see the receiver's answer and the exact JSON your CRM gets, to map its
            fields.
          </p>
          <div className="flex flex-wrap gap-2">
            <Button asChild>
              <Link to="/send-test" search={{ endpointId: created.endpoint.id }}>
                Send a test
              </Link>
            </Button>
            <Button asChild variant="secondary">
              <Link to="/endpoints/$endpointId" params={{ endpointId: created.endpoint.id }}>
                Go to the endpoint
              </Link>
            </Button>
          </div>
        </div>
      </>
    );
  }

  return (
    <>
      <PageHeader
        title="Add an endpoint"
        description="Every registration on your funnel pages is sent here as a signed webhook."
      />
      <SchemaForm
        errors={errors}
        onSubmit={submit}
        failedTitle="The endpoint was not saved"
        className="card space-y-8 p-5 sm:p-6"
      >
        <EndpointFields values={values} onChange={setValues} errors={errors} />
        <div className="flex flex-col-reverse gap-2 border-t border-zinc-200 pt-6 sm:flex-row sm:justify-end dark:border-zinc-800">
          <Button asChild variant="secondary">
            <Link to="/endpoints">Cancel</Link>
          </Button>
          <Button type="submit" busy={create.isPending}>
            Create endpoint
          </Button>
        </div>
      </SchemaForm>
    </>
  );
}
