-- Routing: which endpoint receives which registrations (projects, event types), and in which shape.
-- Existing endpoints keep today's behaviour: every project, the default events, the nested body.
-- CreateEnum
CREATE TYPE "payload_format" AS ENUM ('nested', 'flat');

-- AlterTable
ALTER TABLE "webhook_endpoints" ADD COLUMN     "all_projects" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "event_types" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "payload_format" "payload_format" NOT NULL DEFAULT 'nested';

-- CreateTable
CREATE TABLE "webhook_endpoint_projects" (
    "endpoint_id" UUID NOT NULL,
    "project_id" UUID NOT NULL,

    CONSTRAINT "webhook_endpoint_projects_pkey" PRIMARY KEY ("endpoint_id","project_id")
);

-- CreateIndex
CREATE INDEX "webhook_endpoint_projects_project_id_idx" ON "webhook_endpoint_projects"("project_id");

-- AddForeignKey
ALTER TABLE "webhook_endpoint_projects" ADD CONSTRAINT "webhook_endpoint_projects_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_endpoint_projects" ADD CONSTRAINT "webhook_endpoint_projects_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "funnel_projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

