import { API_CERTIFICATE_ARN, API_DOMAIN, CUSTOM_SETTINGS, functionOf, logicalIdOf, onlyResource, resourcesOfType, synthesize } from './synth.js';

// Flow 2: `GET|HEAD /{bucket}/{key+}?torrent` → an HTTP API → the torrent-api Lambda.

/** The routes of flow 2, as API Gateway keys them (S3's own path style). */
const TORRENT_ROUTES = ['GET /{bucket}/{key+}', 'HEAD /{bucket}/{key+}'];

describe('Class: TorrentApi', () => {
  it('is one HTTP API', () => {
    // Prepare & Act
    const { stack, json } = synthesize();

    // Assess
    const [apiId, api] = onlyResource(json, 'AWS::ApiGatewayV2::Api');
    expect(apiId).toBe(logicalIdOf(stack.api.api));
    expect(api.Properties?.ProtocolType).toBe('HTTP');
  });

  it('routes GET and HEAD of /{bucket}/{key+}, and nothing else, to the torrent-api function with payload 2.0', () => {
    // Prepare & Act
    const { stack, json } = synthesize();
    const apiId = logicalIdOf(stack.api.api);
    const [functionId] = functionOf(json, 'torrent-api');

    // Assess
    const routes = resourcesOfType(json, 'AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties ?? {});
    expect(routes.map((route) => route.RouteKey).sort()).toEqual(TORRENT_ROUTES);
    for (const route of routes) {
      expect(route.ApiId).toEqual({ Ref: apiId });
      expect(route.AuthorizationType).toBe('NONE');
      const integrationId = (route.Target as { 'Fn::Join': [string, [string, { Ref: string }]] })['Fn::Join'][1][1].Ref;
      const integration = json.Resources[integrationId]?.Properties ?? {};
      expect(integration).toMatchObject({
        ApiId: { Ref: apiId },
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: { 'Fn::GetAtt': [functionId, 'Arn'] },
        PayloadFormatVersion: '2.0',
      });
    }
  });

  it('lets API Gateway invoke the torrent-api function for its routes only', () => {
    // Prepare & Act
    const { stack, json } = synthesize();
    const [functionId] = functionOf(json, 'torrent-api');

    // Assess
    const permissions = resourcesOfType(json, 'AWS::Lambda::Permission').map(([, permission]) => permission.Properties ?? {})
      .filter((permission) => permission.Principal === 'apigateway.amazonaws.com');
    expect(permissions.length).toBeGreaterThan(0);
    for (const permission of permissions) {
      expect(permission.FunctionName).toEqual({ 'Fn::GetAtt': [functionId, 'Arn'] });
      expect(permission.Action).toBe('lambda:InvokeFunction');
      expect(JSON.stringify(permission.SourceArn)).toContain(`{"Ref":"${logicalIdOf(stack.api.api)}"}`);
      expect(JSON.stringify(permission.SourceArn)).toContain('/{bucket}/{key+}');
    }
  });

  it('has one stage, $default, deployed automatically', () => {
    // Prepare & Act
    const { stack, json } = synthesize();

    // Assess
    const [, stage] = onlyResource(json, 'AWS::ApiGatewayV2::Stage');
    expect(stage.Properties?.ApiId).toEqual({ Ref: logicalIdOf(stack.api.api) });
    expect(stage.Properties?.StageName).toBe('$default');
    expect(stage.Properties?.AutoDeploy).toBe(true);
  });

  it('writes one JSON access-log line per request, with its request id, to a log group of the stack', () => {
    // Prepare & Act
    const { json } = synthesize();

    // Assess
    const [, stage] = onlyResource(json, 'AWS::ApiGatewayV2::Stage');
    const settings = stage.Properties?.AccessLogSettings ?? {};
    const destination = settings.DestinationArn as { 'Fn::GetAtt': [string, string] };
    expect(destination['Fn::GetAtt'][1]).toBe('Arn');
    expect(json.Resources[destination['Fn::GetAtt'][0]]?.Type).toBe('AWS::Logs::LogGroup');
    const format = JSON.parse(settings.Format as string) as Record<string, string>;
    expect(format.requestId).toBe('$context.requestId');
    expect(format).toMatchObject({ status: '$context.status', ip: '$context.identity.sourceIp' });
  });

  it('throttles at 100 requests per second with bursts of 200 by default', () => {
    // Prepare & Act
    const { json } = synthesize();

    // Assess
    const [, stage] = onlyResource(json, 'AWS::ApiGatewayV2::Stage');
    expect(stage.Properties?.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 });
  });

  it('throttles at apiRateLimit with bursts of apiBurstLimit', () => {
    // Prepare & Act
    const { json } = synthesize(CUSTOM_SETTINGS);

    // Assess
    const [, stage] = onlyResource(json, 'AWS::ApiGatewayV2::Stage');
    expect(stage.Properties?.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: Number(CUSTOM_SETTINGS.apiRateLimit),
      ThrottlingBurstLimit: Number(CUSTOM_SETTINGS.apiBurstLimit),
    });
  });

  it('answers on the execute-api endpoint, with no custom domain, by default', () => {
    // Prepare & Act
    const { template, json } = synthesize();

    // Assess
    expect(onlyResource(json, 'AWS::ApiGatewayV2::Api')[1].Properties?.DisableExecuteApiEndpoint).not.toBe(true);
    template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
    template.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 0);
    expect(JSON.stringify(json.Outputs?.TorrentApiUrl)).toContain('execute-api');
    expect(json.Outputs?.ApiDomainTarget).toBeUndefined();
  });

  it('answers only on apiDomain, with its certificate, when one is given', () => {
    // Prepare & Act
    const { stack, json } = synthesize(CUSTOM_SETTINGS);

    // Assess
    expect(onlyResource(json, 'AWS::ApiGatewayV2::Api')[1].Properties?.DisableExecuteApiEndpoint).toBe(true);
    const [domainId, domain] = onlyResource(json, 'AWS::ApiGatewayV2::DomainName');
    expect(domain.Properties).toMatchObject({
      DomainName: API_DOMAIN,
      DomainNameConfigurations: [{ CertificateArn: API_CERTIFICATE_ARN, EndpointType: 'REGIONAL' }],
    });
    const [, mapping] = onlyResource(json, 'AWS::ApiGatewayV2::ApiMapping');
    expect(mapping.Properties).toEqual({ ApiId: { Ref: logicalIdOf(stack.api.api) }, DomainName: { Ref: domainId }, Stage: '$default' });
    expect(json.Outputs?.TorrentApiUrl).toMatchObject({ Value: `https://${API_DOMAIN}/` });
    // What the operator points a CNAME for apiDomain at.
    expect(json.Outputs?.ApiDomainTarget).toMatchObject({ Value: { 'Fn::GetAtt': [domainId, 'RegionalDomainName'] } });
  });
});
